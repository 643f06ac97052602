export {
  allComponents,
  type CycloneDxComponent,
  type CycloneDxDocument,
  parseCycloneDx,
} from './cyclonedx-document.js';
export { CYCLONEDX_SPEC_VERSION } from './cyclonedx-npm.js';
export { type WriteSbomOptions, writeSbom } from './write-sbom.js';
