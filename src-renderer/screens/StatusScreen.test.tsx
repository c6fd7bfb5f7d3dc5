// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import { StatusScreen } from './StatusScreen.js';

afterEach(cleanup);

const status: AppStatus = {
  appName: 'Backbone',
  version: '3.1.4',
  core: 'ready',
  dataDir: '/home/ada/.config/Backbone',
  runtime: 'electron',
  platform: 'linux x64',
  nodeVersion: '22.1.0',
  startedAt: '2026-11-26T04:00:00.000Z',
};

describe('StatusScreen', () => {
  it('shows version, core state, data directory and runtime', () => {
    render(<StatusScreen status={status} loading={false} error={null} onRetry={() => {}} />);
    expect(screen.getByTestId('status-version').textContent).toBe('3.1.4');
    expect(screen.getByTestId('status-core').textContent).toBe('Ready');
    expect(screen.getByTestId('status-data-dir').textContent).toBe('/home/ada/.config/Backbone');
    expect(screen.getByTestId('status-runtime').textContent).toBe('Desktop app');
  });

  it('says it is waiting while loading', () => {
    render(<StatusScreen status={null} loading error={null} onRetry={() => {}} />);
    expect(screen.getByText('Asking the app core…')).toBeTruthy();
  });

  it('shows an error with a retry button that works', () => {
    const onRetry = vi.fn();
    render(
      <StatusScreen
        status={null}
        loading={false}
        error={{ code: 'IPC_DISCONNECTED', message: 'Core unreachable.' }}
        onRetry={onRetry}
      />,
    );
    expect(screen.getByRole('alert').textContent).toContain('Core unreachable.');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });
});
