export { checkImagePinning, type ImagePinningOptions } from './check-image-pinning.js';
export { type ImageUse, judgePinning, type Pinning } from './image-use.js';
