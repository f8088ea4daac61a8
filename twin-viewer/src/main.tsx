// First: Cesium must see CESIUM_BASE_URL before it loads anything.
import './cesium-base-url.ts'
import 'cesium/Build/Cesium/Widgets/widgets.css'
import './styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import { disableCesiumIon } from './cesium-setup.ts'
import { pickLanguage } from './i18n.ts'

disableCesiumIon()

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App initialLang={pickLanguage(navigator.language)} />
  </StrictMode>,
)
