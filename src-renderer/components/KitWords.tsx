/** The 24 Emergency Kit words, numbered, in a sheet that prints on its own (see KitWords.css @media print). */
import './KitWords.css';
export function KitWords({
  title,
  words,
  owner,
}: {
  title: string;
  words: string[];
  owner?: string;
}) {
  return (
    <section className="kit-sheet print-area" aria-label="Emergency Kit words">
      <h2 className="print-only">{title}</h2>
      {owner && <p className="print-only">For: {owner}</p>}
      <ol className="kit-words" data-testid="kit-words">
        {words.map((word, i) => (
          <li key={i}>
            <span className="kit-index" aria-hidden="true">
              {i + 1}
            </span>
            <span className="kit-word">{word}</span>
          </li>
        ))}
      </ol>
      <p className="print-only">
        These 24 words are your identity. Anyone who has them can open your vault; without them and
        without your password, nobody can — not even the Backbone server. Keep this sheet somewhere
        safe, offline.
      </p>
    </section>
  );
}
