/** Realistic native uplinks of an M-WLAN access point, as its controller would publish them. */

/** A busy evening at Marienplatz: all fields, two bands in use, one client on an unreported band. */
export const NORMAL_READING = {
  time: '2026-11-23T19:00:00+01:00',
  apState: 'up',
  clientsConnected: 37,
  clientsConnected24: 11,
  clientsConnected5: 25,
  clientsConnected6: 0,
  uptime: 1_209_600,
  throughputRx: 18_500_000,
  throughputTx: 42_250_000.5,
}

/** An older AP that reports only its total and state, without a clock. */
export const PARTIAL_READING = { apState: 'up', clientsConnected: 4 }

/** The controller reports an AP it lost contact with. */
export const AP_DOWN = {
  time: '2026-11-23T03:15:00Z',
  apState: 'down',
  clientsConnected: 0,
  throughputRx: 0,
  throughputTx: 0,
}
