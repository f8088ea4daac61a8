import type { DatastreamSpec } from '@urbantwin/model'
import { CATEGORY, DEGREE, DEGREE_CELSIUS, MEASUREMENT, MILLIMETRE, NO_UNIT, PERCENT } from '../../units.ts'

const SDM = 'https://smartdatamodels.org/dataModel.WasteManagement'

export const CONTAINER_DATASTREAMS: readonly DatastreamSpec[] = [
  {
    key: 'fillingLevel',
    name: 'Fill level',
    description: 'How full the container is',
    unitOfMeasurement: PERCENT,
    observationType: MEASUREMENT,
    observedProperty: {
      name: 'Filling level',
      definition: `${SDM}/fillingLevel`,
      description: 'Share of the container volume that is filled',
    },
  },
  {
    key: 'distance',
    name: 'Sensor distance',
    description: 'Raw ultrasonic distance from the sensor to the contents',
    unitOfMeasurement: MILLIMETRE,
    observationType: MEASUREMENT,
    observedProperty: {
      name: 'Distance to contents',
      definition: `${SDM}/WasteContainer/distance`,
      description: 'Echo distance, sensor to contents',
    },
  },
  {
    key: 'temperature',
    name: 'Temperature',
    description: 'Air temperature inside the container',
    unitOfMeasurement: DEGREE_CELSIUS,
    observationType: MEASUREMENT,
    observedProperty: {
      name: 'Temperature',
      definition: 'https://smartdatamodels.org/temperature',
      description: 'Air temperature',
    },
  },
  {
    key: 'batteryLevel',
    name: 'Battery level',
    description: 'Charge of the sensor battery',
    unitOfMeasurement: PERCENT,
    observationType: MEASUREMENT,
    observedProperty: {
      name: 'Battery level',
      definition: 'https://smartdatamodels.org/dataModel.Device/batteryLevel',
      description: 'Remaining battery charge',
    },
  },
  {
    key: 'tiltAngle',
    name: 'Tilt',
    description: 'Tilt of the container from upright',
    unitOfMeasurement: DEGREE,
    observationType: MEASUREMENT,
    observedProperty: {
      name: 'Tilt angle',
      definition: `${SDM}/WasteContainer/tiltAngle`,
      description: 'Angle from upright',
    },
  },
  {
    key: 'status',
    name: 'Status',
    description: 'Container state: ok, lidOpen, closed, full, dropped, burning, moved, notAvailable',
    unitOfMeasurement: NO_UNIT,
    observationType: CATEGORY,
    observedProperty: {
      name: 'Container status',
      definition: `${SDM}/status`,
      description: 'WasteContainer.status',
    },
  },
  {
    key: 'event',
    name: 'Events',
    description: 'Events: emptied, fireSuspicion, tilt, vandalism',
    unitOfMeasurement: NO_UNIT,
    observationType: CATEGORY,
    observedProperty: {
      name: 'Container event',
      definition: `${SDM}/WasteContainer/event`,
      description: 'Something that happened to the container',
    },
  },
]
