import type { LogMessage } from 'node-red'
import type { ObservationFeed } from '@urbantwin/model'

export type SettingsInput = {
  userDir: string
  /** Directory of this package: Node-RED loads `urbantwin-observation-in` from its "node-red" section. */
  nodesDir: string
  adminUser: { username: string; passwordHash: string }
  credentialSecret: string
  httpAdminRoot: string
  httpNodeRoot: string
  observations: ObservationFeed
  logHandler: () => (m: LogMessage) => void
}

/** What our node reads as `RED.settings.urbantwin` (a direct property: `RED.settings.get()` deep-clones). */
export type UrbanTwinSettings = { observations: ObservationFeed }

/**
 * Node-RED 4.1 runtime settings (keys as in node_modules/node-red/settings.js). Pure: no I/O.
 * Nothing here makes Node-RED or its editor contact the internet.
 */
export function nodeRedSettings(input: SettingsInput) {
  return {
    userDir: input.userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: input.credentialSecret,
    nodesDir: [input.nodesDir],
    httpAdminRoot: input.httpAdminRoot,
    httpNodeRoot: input.httpNodeRoot,
    disableEditor: false,
    adminAuth: {
      type: 'credentials',
      users: [
        { username: input.adminUser.username, password: input.adminUser.passwordHash, permissions: '*' },
      ],
    },
    // No outbound requests: no telemetry ping or update notification, no palette catalogue, no npm installs.
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpdate: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    exportGlobalContextKeys: false,
    editorTheme: {
      page: { title: 'UrbanTwin flows' },
      header: { title: 'UrbanTwin flows' },
      tours: false,
      // The palette manager (and its catalogue fetch) is off via externalModules.palette.allowInstall;
      // `palette.editable` is deprecated in 4.1. An empty catalogue list is a second guard.
      palette: { catalogues: [] },
    },
    logging: {
      // Only our handler: no "console" key, so Node-RED writes nothing to stdout itself.
      urbantwin: { level: 'debug', metrics: false, audit: false, handler: input.logHandler },
    },
    urbantwin: { observations: input.observations } satisfies UrbanTwinSettings,
  }
}
