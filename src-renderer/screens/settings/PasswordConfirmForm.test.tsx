// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PasswordConfirmForm } from './PasswordConfirmForm.js';

afterEach(cleanup);

function field(): HTMLInputElement {
  return screen.getByLabelText('Your password') as HTMLInputElement;
}

function button(): HTMLButtonElement {
  return screen.getByRole('button', { name: 'Turn on' }) as HTMLButtonElement;
}

describe('PasswordConfirmForm', () => {
  it('shows its explanation, waits for a password, and sends it', async () => {
    const onConfirm = vi.fn(async () => true);
    render(
      <PasswordConfirmForm submitLabel="Turn on" busy={false} onConfirm={onConfirm}>
        <p>Off. Turn it on.</p>
      </PasswordConfirmForm>,
    );
    expect(screen.getByText('Off. Turn it on.')).toBeTruthy();
    expect(button().disabled).toBe(true);
    fireEvent.change(field(), { target: { value: 'correct horse' } });
    expect(button().disabled).toBe(false);
    fireEvent.click(button());
    expect(onConfirm).toHaveBeenCalledWith('correct horse');
    await waitFor(() => expect(field().value).toBe(''));
  });

  it('keeps the password when the change failed, so it can be corrected', async () => {
    const onConfirm = vi.fn(async () => false);
    render(<PasswordConfirmForm submitLabel="Turn on" busy={false} onConfirm={onConfirm} />);
    fireEvent.change(field(), { target: { value: 'typo' } });
    fireEvent.click(button());
    await waitFor(() => expect(onConfirm).toHaveBeenCalledTimes(1));
    await Promise.resolve();
    expect(field().value).toBe('typo');
  });

  it('does not submit while another action is busy', () => {
    const onConfirm = vi.fn(async () => true);
    render(<PasswordConfirmForm submitLabel="Turn on" busy onConfirm={onConfirm} />);
    fireEvent.change(field(), { target: { value: 'correct horse' } });
    expect(button().disabled).toBe(true);
  });
});
