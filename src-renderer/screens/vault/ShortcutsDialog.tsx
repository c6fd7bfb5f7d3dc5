/** The store browser's keyboard shortcuts ("?" opens this). */
import { Dialog } from '../../components/Dialog.js';
import './ShortcutsDialog.css';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent);
const MOD = isMac ? '⌘' : 'Ctrl';

export const SHORTCUTS: Array<{ keys: string[]; what: string }> = [
  { keys: [`${MOD}+F`, '/'], what: 'Search entries' },
  { keys: ['↑', '↓'], what: 'Move in the list' },
  { keys: ['Enter'], what: 'Open the entry' },
  { keys: [`${MOD}+C`], what: 'Copy the value of the open entry' },
  { keys: [`${MOD}+N`], what: 'New entry' },
  { keys: [`${MOD}+Z`], what: 'Undo a delete (while it can be undone)' },
  { keys: ['Esc'], what: 'Clear the search, close a dialog' },
  { keys: [`${MOD}+L`], what: 'Lock Backbone' },
  { keys: ['?'], what: 'These shortcuts' },
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <dl className="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.what} className="shortcut">
            <dt>
              {s.keys.map((key, i) => (
                <span key={key}>
                  {i > 0 && <span className="muted"> or </span>}
                  <kbd>{key}</kbd>
                </span>
              ))}
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">
        Some browsers keep {MOD}+N for themselves; the New entry button always works.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
