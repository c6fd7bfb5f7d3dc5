/** Says plainly when browser mode has lost its connection to the app core. */
export function ConnectionBanner({ connection }: { connection: 'connecting' | 'open' | 'closed' }) {
  if (connection === 'open') return null;
  return (
    <div className="notice notice-warning" role="status" data-testid="connection-banner">
      {connection === 'connecting'
        ? 'Connecting to the Backbone app core…'
        : 'Disconnected from the Backbone app core. Reconnecting… If this lasts, check that Backbone is still running.'}
    </div>
  );
}
