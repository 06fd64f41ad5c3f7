// A QR code drawn as SVG squares (no inline styles, no innerHTML), encoded by the `uqr` library.
import { encode } from "uqr";

export function Qr({ text, label }: { text: string; label: string }) {
  const { data, size } = encode(text, { border: 2, ecc: "M" });
  const cells: preact.JSX.Element[] = [];
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) cells.push(<rect x={x} y={y} width={1} height={1} />);
    }),
  );
  return (
    <svg class="qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shape-rendering="crispEdges">
      <rect class="qr-bg" x={0} y={0} width={size} height={size} />
      <g class="qr-fg">{cells}</g>
    </svg>
  );
}
