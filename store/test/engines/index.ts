export { startVictoriaMetrics, forceFlush, type VictoriaMetrics } from './victoria-metrics.ts'
export { startInfluxDb1, type InfluxDb1 } from './influxdb1.ts'
export { requireBinary, freePort, type EngineProcess } from './process.ts'
