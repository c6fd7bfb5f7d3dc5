/**
 * The store browser's sidebar: your workspaces (switch between them) and the folder tree
 * (expand/collapse; isolated folders marked with a lock and explained).
 */
import { useEffect, useMemo, useState } from 'react';
import type { VaultNamespace } from '../../../src-shared/ipc/contract.js';
import type { WorkspaceItem } from '../../stores/vault-store.js';
import { baseName, has, parentPath } from './access.js';
import { ISOLATED_EXPLANATION } from './FolderDialogs.js';
import './VaultSidebar.css';

export interface FolderNode {
  namespace: VaultNamespace;
  /** The path below its parent folder (may contain "/" when folders between do not exist). */
  label: string;
  children: FolderNode[];
}

function nearestAncestor(path: string, nodes: Map<string, FolderNode>): FolderNode | undefined {
  for (let at = path; at !== '';) {
    at = parentPath(at);
    const node = nodes.get(at);
    if (node) return node;
  }
  return undefined;
}

/** Nests the folders: each one under its nearest visible ancestor. */
export function buildFolderTree(namespaces: readonly VaultNamespace[]): FolderNode[] {
  const nodes = new Map<string, FolderNode>();
  for (const namespace of namespaces) {
    nodes.set(namespace.path, { namespace, label: baseName(namespace.path), children: [] });
  }
  const roots: FolderNode[] = [];
  for (const node of nodes.values()) {
    const path = node.namespace.path;
    const parent = nearestAncestor(path, nodes);
    if (parent) {
      node.label =
        parent.namespace.path === '' ? path : path.slice(parent.namespace.path.length + 1);
      parent.children.push(node);
    } else {
      node.label = path === '' ? 'Root' : path;
      roots.push(node);
    }
  }
  return roots;
}

/** The folder and every path above it. */
function selfAndAncestors(path: string): string[] {
  const out = [''];
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function LockIcon() {
  return (
    <svg className="lock-icon" viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
      <path
        d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2h.5a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h.5zm1.5 0h4V5a2 2 0 0 0-4 0v2z"
        fill="currentColor"
      />
    </svg>
  );
}

function FolderItem({
  node,
  current,
  expanded,
  onToggle,
  onOpen,
}: {
  node: FolderNode;
  current: string | null | undefined;
  expanded: Set<string>;
  onToggle: (path: string) => void;
  onOpen: (path: string) => void;
}) {
  const { namespace, label, children } = node;
  const open = expanded.has(namespace.path);
  const readable = has(namespace.access, 'READ');
  return (
    <li>
      <div className="folder-row">
        {children.length > 0 ? (
          <button
            type="button"
            className="folder-toggle"
            aria-expanded={open}
            aria-label={`${open ? 'Collapse' : 'Expand'} ${label}`}
            onClick={() => onToggle(namespace.path)}
          >
            <span aria-hidden="true">{open ? '▾' : '▸'}</span>
          </button>
        ) : (
          <span className="folder-toggle-space" aria-hidden="true" />
        )}
        <button
          type="button"
          className={`folder-item${current === namespace.path ? ' active' : ''}${readable ? '' : ' unreadable'}`}
          aria-current={current === namespace.path ? 'true' : undefined}
          // The name says what the lock icon and the grey text show.
          aria-label={`${label}${namespace.isolated ? ' (isolated)' : ''}${readable ? '' : ' (you cannot read it)'}`}
          title={namespace.isolated ? `Isolated folder. ${ISOLATED_EXPLANATION}` : undefined}
          onClick={() => onOpen(namespace.path)}
        >
          <span className="folder-label">{label}</span>
          {namespace.isolated && <LockIcon />}
        </button>
      </div>
      {open && children.length > 0 && (
        <ul>
          {children.map((child) => (
            <FolderItem
              key={child.namespace.path}
              node={child}
              current={current}
              expanded={expanded}
              onToggle={onToggle}
              onOpen={onOpen}
            />
          ))}
        </ul>
      )}
    </li>
  );
}

export function VaultSidebar({
  workspaces,
  namespaces,
  current,
  showShared,
  busy,
  onOpen,
  onSwitchWorkspace,
}: {
  workspaces: readonly WorkspaceItem[];
  namespaces: readonly VaultNamespace[];
  /** The open folder (null: "Shared with you"; undefined: none, e.g. while searching). */
  current: string | null | undefined;
  /** There are entries shared with you whose folder you cannot see. */
  showShared: boolean;
  busy: boolean;
  onOpen: (path: string | null) => void;
  onSwitchWorkspace: (id: string) => void;
}) {
  const tree = useMemo(() => buildFolderTree(namespaces), [namespaces]);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(['']));
  // Opening a folder expands it, and the folders above it, so it is visible in the tree.
  useEffect(() => {
    if (current === null || current === undefined) return;
    setExpanded((before) => {
      const missing = selfAndAncestors(current).filter((path) => !before.has(path));
      return missing.length === 0 ? before : new Set([...before, ...missing]);
    });
  }, [current]);
  const toggle = (path: string) =>
    setExpanded((before) => {
      const next = new Set(before);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  const anyIsolated = namespaces.some((n) => n.isolated);

  return (
    <aside className="vault-sidebar">
      <nav aria-label="Workspaces" className="vault-workspaces">
        <h2 className="sidebar-heading">Workspaces</h2>
        <ul className="plain">
          {workspaces.map((w) => (
            <li key={w.id}>
              <button
                type="button"
                className={`nav-item${w.current ? ' active' : ''}`}
                aria-current={w.current ? 'true' : undefined}
                disabled={busy && !w.current}
                onClick={() => !w.current && onSwitchWorkspace(w.id)}
              >
                {w.displayName}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <nav aria-label="Folders" className="vault-folders">
        <h2 className="sidebar-heading">Folders</h2>
        <ul className="folder-tree">
          {tree.map((node) => (
            <FolderItem
              key={node.namespace.path}
              node={node}
              current={current}
              expanded={expanded}
              onToggle={toggle}
              onOpen={onOpen}
            />
          ))}
          {showShared && (
            <li>
              <div className="folder-row">
                <span className="folder-toggle-space" aria-hidden="true" />
                <button
                  type="button"
                  className={`folder-item${current === null ? ' active' : ''}`}
                  aria-current={current === null ? 'true' : undefined}
                  title="Entries shared with you one by one, in folders you cannot see"
                  onClick={() => onOpen(null)}
                >
                  Shared with you
                </button>
              </div>
            </li>
          )}
        </ul>
        {anyIsolated && (
          <p className="hint folder-legend">
            <LockIcon /> Isolated. {ISOLATED_EXPLANATION}
          </p>
        )}
      </nav>
    </aside>
  );
}
