// Ambient types for the untyped `node-red` and `express4`; referenced here so that packages compiling
// this source (the platform) see them too.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a .d.ts of `declare module`s cannot be imported
/// <reference path="./node-red.d.ts" />
export { createFlows } from './flows.ts'
export type { Flows, FlowsOptions } from './flows.ts'
export { hashPassword } from './password.ts'
export { isUnder } from './upgrade-gate.ts'
