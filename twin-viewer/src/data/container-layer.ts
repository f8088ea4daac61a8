/** The viewer's boundary for `GET /api/layers/containers`: unknown JSON → a validated layer. */
import { ContainerLayer, fail, ok, type Outcome } from '@urbantwin/model'
import { z } from 'zod'

export function parseContainerLayer(json: unknown): Outcome<ContainerLayer> {
  const parsed = ContainerLayer.safeParse(json)
  if (!parsed.success) return fail(`invalid container layer: ${z.prettifyError(parsed.error)}`)
  return ok(parsed.data)
}

/** One fetch of the layer. Every failure (network, HTTP status, JSON, schema) becomes a reason. */
export async function fetchContainerLayer(
  url: string,
  signal: AbortSignal,
  fetchImpl: typeof fetch = fetch,
): Promise<Outcome<ContainerLayer>> {
  try {
    const res = await fetchImpl(url, { signal, cache: 'no-store', headers: { accept: 'application/geo+json, application/json' } })
    if (!res.ok) return fail(`HTTP ${res.status}`)
    return parseContainerLayer(await res.json())
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err))
  }
}
