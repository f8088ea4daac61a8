export type { StatisticalArea, StatisticalDataset, StatisticalStream, YearlyValues } from './dataset.ts'
export {
  munichStatistics,
  munichStatisticsVersion,
  areaKey,
  valueName,
  MUNICH_STATISTICS_ID,
} from './munich.ts'
export { publishDataset, type PublishProgress, type PublishResult } from './publish.ts'
export {
  deriveGenderIndicators,
  deriveResidentsPerDevice,
  PER_DEVICE_KINDS,
  type DeriveOptions,
  type DeriveResult,
} from './derived.ts'
