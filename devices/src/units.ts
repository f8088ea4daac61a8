import type { UnitOfMeasurement } from '@urbantwin/model'

/** UCUM units (https://unitsofmeasure.org/ucum) used by the device kinds. */
export const PERCENT: UnitOfMeasurement = {
  name: 'percent',
  symbol: '%',
  definition: 'http://unitsofmeasure.org/ucum.html#para-29',
}

export const DEGREE_CELSIUS: UnitOfMeasurement = {
  name: 'degree Celsius',
  symbol: 'Cel',
  definition: 'http://unitsofmeasure.org/ucum.html#para-30',
}
