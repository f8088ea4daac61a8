/**
 * Where Cesium finds Workers/, Assets/, ThirdParty/ and Widgets/ (copied into dist/cesium/ by the
 * build, served from node_modules in dev). Cesium reads it on first use; main.tsx imports this first.
 */
declare global {
  interface Window {
    CESIUM_BASE_URL?: string
  }
}

window.CESIUM_BASE_URL = './cesium/'

export {}
