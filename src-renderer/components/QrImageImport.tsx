/**
 * Reads an invitation from a QR code image file (a screenshot or photo), in this window: the
 * image is drawn on a canvas and decoded with jsQR. Nothing leaves the app.
 */
import { useRef, useState } from 'react';

async function decode(file: File): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return null;
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const image = context.getImageData(0, 0, width, height);
  const { default: jsQR } = await import('jsqr'); // loaded when first used
  return jsQR(image.data, width, height)?.data ?? null;
}

export function QrImageImport({ onText }: { onText: (text: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <div className="qr-import">
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp,image/bmp"
        className="visually-hidden"
        aria-label="QR code image"
        data-testid="qr-file"
        onChange={async (event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (!file) return;
          setMessage(null);
          try {
            const text = await decode(file);
            if (text) onText(text);
            else
              setMessage(
                'No QR code was found in that image. Try a sharper picture, or paste the text.',
              );
          } catch {
            setMessage(
              'That file could not be read as an image. Paste the invitation text instead.',
            );
          }
        }}
      />
      <button type="button" className="ghost" onClick={() => input.current?.click()}>
        Open a QR code image…
      </button>
      {message && (
        <p className="hint" role="status">
          {message}
        </p>
      )}
    </div>
  );
}
