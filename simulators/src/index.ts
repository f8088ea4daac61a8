export { createRng, type Rng } from './rng.ts'
export { containerSites, WERTSTOFFINSELN_PATH, type ContainerSite } from './sites.ts'
export { wlanSites, WLAN_SITES_PATH, type WlanSite } from './wlan-sites.ts'
export {
  hash32,
  simulatedDevEui,
  type Scenario,
  type SimDevice,
  type Emission,
} from './scenarios/scenario.ts'
export { containerScenario, containerDevices, CONTAINER_FAULTS } from './scenarios/containers.ts'
export { accessPointScenario, accessPointDevices, AP_OUTAGE } from './scenarios/access-points.ts'
export { surveyScenario, surveyDevices, SURVEY_QUESTION } from './scenarios/survey.ts'
export { munichScenarios, simulateDay, WHOLE_CITY, type CityOptions, type DaySummary } from './city.ts'
export {
  toMessage,
  registryId,
  OUTPUT_MODES,
  DEFAULT_APPLICATION,
  type OutputMode,
  type Message,
} from './output/messages.ts'
export { runFleet, type FleetOptions, type FleetProgress, type FleetRun, type Login } from './fleet/run.ts'
export { provisionDevices, type ProvisionedDevice } from './cli/provision.ts'
export { simulateCommand } from './cli/simulate.ts'
export * from './load/index.ts'
