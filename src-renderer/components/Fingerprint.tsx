/** A safety number or workspace fingerprint: 12 groups of 5 digits, easy to read aloud. */
import './Fingerprint.css';
export function Fingerprint({ value, label }: { value: string; label: string }) {
  const groups = value.split(' ');
  return (
    <div className="fingerprint" role="group" aria-label={`${label}: ${value}`}>
      {groups.map((group, i) => (
        <code key={i} aria-hidden="true">
          {group}
        </code>
      ))}
    </div>
  );
}
