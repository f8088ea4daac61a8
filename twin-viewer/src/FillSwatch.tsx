/** A colour dot for a fill band; decorative, the text next to it carries the meaning. */
import { FILL_COLOURS, type FillBand } from './fill-colour.ts'

export function FillSwatch({ band }: { band: FillBand }) {
  return <span className="swatch" style={{ backgroundColor: FILL_COLOURS[band] }} aria-hidden="true" />
}
