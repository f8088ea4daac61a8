/** A `GET /api/layers/containers` body as the API serves it: one reading, one container without. */
export const sampleLayer = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      id: 'awm-altkleider-0001',
      geometry: { type: 'Point', coordinates: [11.5755, 48.1372] },
      properties: {
        thingId: 1,
        deviceId: 'awm-altkleider-0001',
        name: 'Altkleider Marienplatz',
        address: 'Marienplatz 1',
        fillLevel: 83.5,
        phenomenonTime: '2026-01-15T09:42:00Z',
        datastreamId: 7,
      },
    },
    {
      type: 'Feature',
      id: 'awm-altkleider-0002',
      geometry: { type: 'Point', coordinates: [11.56, 48.15] },
      properties: {
        thingId: 2,
        deviceId: 'awm-altkleider-0002',
        name: 'Altkleider Schwabing',
        address: null,
        fillLevel: null,
        phenomenonTime: null,
        datastreamId: null,
      },
    },
  ],
}
