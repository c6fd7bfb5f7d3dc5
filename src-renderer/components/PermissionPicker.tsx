/** Choose workspace permissions (checkboxes with what each one allows). */
import type { IpcPermission } from '../../src-shared/ipc/contract.js';

export const PERMISSION_INFO: Array<{ value: IpcPermission; label: string; detail: string }> = [
  { value: 'ROOT', label: 'Root', detail: 'Full control, including other administrators' },
  {
    value: 'USER_MANAGE',
    label: 'Manage members',
    detail: 'Add and remove members with no more rights than their own',
  },
  { value: 'STORE_USE', label: 'Use the store', detail: 'Read and write the shared store' },
  { value: 'STORE_SHARE', label: 'Share', detail: 'Share namespaces and entries with others' },
];

export function PermissionPicker({
  value,
  onChange,
  legend,
}: {
  value: IpcPermission[];
  onChange: (next: IpcPermission[]) => void;
  legend: string;
}) {
  const toggle = (permission: IpcPermission, on: boolean) => {
    const set = new Set(value);
    if (on) set.add(permission);
    else set.delete(permission);
    onChange(PERMISSION_INFO.map((p) => p.value).filter((p) => set.has(p)));
  };
  return (
    <fieldset className="permissions">
      <legend>{legend}</legend>
      {PERMISSION_INFO.map((p) => (
        <label key={p.value} className="check">
          <input
            type="checkbox"
            checked={value.includes(p.value)}
            onChange={(event) => toggle(p.value, event.target.checked)}
          />
          <span>
            <strong>{p.label}</strong> <span className="muted">— {p.detail}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function permissionLabel(permission: IpcPermission): string {
  return PERMISSION_INFO.find((p) => p.value === permission)?.label ?? permission;
}
