/** The Cesium globe: offline base imagery, district outlines and live container points. */
import { memo } from 'react'
import { ImageryLayer, Viewer } from 'resium'
import type { ContainerLayer as ContainerLayerData } from '@urbantwin/model'
import { naturalEarthImagery, viewerOptions } from './cesium-setup.ts'
import type { District } from './data/districts.ts'
import { ContainerLayer } from './layers/ContainerLayer.tsx'
import { DistrictLayer } from './layers/DistrictLayer.tsx'
import { FlyToMunich } from './layers/FlyToMunich.tsx'
import { SceneSetup } from './layers/SceneSetup.tsx'

type Props = {
  districts: readonly District[] | null
  containers: ContainerLayerData | null
  /** id of the text that describes the map for screen readers. */
  describedBy: string
}

export const Globe = memo(function Globe({ districts, containers, describedBy }: Props) {
  return (
    <div className="globe" data-testid="globe" aria-describedby={describedBy}>
      <Viewer {...viewerOptions} className="globe-viewer">
        <ImageryLayer imageryProvider={naturalEarthImagery()} />
        <SceneSetup />
        <FlyToMunich />
        <DistrictLayer districts={districts} />
        <ContainerLayer layer={containers} />
      </Viewer>
    </div>
  )
})
