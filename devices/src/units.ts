import type { ObservationType, UnitOfMeasurement } from '@urbantwin/model'

/** UCUM units (https://unitsofmeasure.org/ucum) and O&M observation types used by the device kinds. */
const UCUM = 'http://unitsofmeasure.org/ucum.html'

export const PERCENT: UnitOfMeasurement = { name: 'percent', symbol: '%', definition: `${UCUM}#para-29` }
export const DEGREE_CELSIUS: UnitOfMeasurement = {
  name: 'degree Celsius',
  symbol: 'Cel',
  definition: `${UCUM}#para-30`,
}
export const DEGREE: UnitOfMeasurement = {
  name: 'degree (plane angle)',
  symbol: 'deg',
  definition: `${UCUM}#para-30`,
}
export const MILLIMETRE: UnitOfMeasurement = {
  name: 'millimetre',
  symbol: 'mm',
  definition: `${UCUM}#para-28`,
}
export const SECOND: UnitOfMeasurement = { name: 'second', symbol: 's', definition: `${UCUM}#para-28` }
export const BIT_PER_SECOND: UnitOfMeasurement = {
  name: 'bit per second',
  symbol: 'bit/s',
  definition: `${UCUM}#para-31`,
}
export const COUNT: UnitOfMeasurement = {
  name: 'count',
  symbol: '{count}',
  definition: `${UCUM}#section-Special-Units-on-non-ratio-Scales`,
}
/** For category and truth observations, which have no unit (STA 8.2.4: all fields may be null-like). */
export const NO_UNIT: UnitOfMeasurement = { name: 'none', symbol: '', definition: '' }

const OM = 'http://www.opengis.net/def/observationType/OGC-OM/2.0'
export const MEASUREMENT = `${OM}/OM_Measurement` as const satisfies ObservationType
export const COUNT_OBSERVATION = `${OM}/OM_CountObservation` as const satisfies ObservationType
export const CATEGORY = `${OM}/OM_CategoryObservation` as const satisfies ObservationType
export const TRUTH = `${OM}/OM_TruthObservation` as const satisfies ObservationType
