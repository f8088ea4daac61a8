/** React adapter: loads the district outlines bundled into the build (a same-origin asset). */
import { useEffect, useState } from 'react'
import districtsUrl from '@urbantwin/model/data/munich/stadtbezirke.geojson?url'
import { parseDistricts, type District } from './districts.ts'

export type DistrictState = { districts: District[] | null; error: string | null }

export function useDistricts(url: string = districtsUrl): DistrictState {
  const [state, setState] = useState<DistrictState>({ districts: null, error: null })

  useEffect(() => {
    const abort = new AbortController()
    fetch(url, { signal: abort.signal })
      .then(async (res) => (res.ok ? parseDistricts(await res.json()) : { ok: false as const, reason: `HTTP ${res.status}` }))
      .catch((err: unknown) => ({ ok: false as const, reason: err instanceof Error ? err.message : String(err) }))
      .then((outcome) => {
        if (abort.signal.aborted) return
        setState(outcome.ok ? { districts: outcome.value, error: null } : { districts: null, error: outcome.reason })
      })
    return () => abort.abort()
  }, [url])

  return state
}
