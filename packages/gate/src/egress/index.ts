export { type Cidr, renderedCidr } from './cidr.js';
export {
  describeDestination,
  type EgressBlockEvent,
  type EgressCheck,
  EgressGuard,
  type EgressGuardOptions,
  type EgressLayer,
} from './guard.js';
export { isInternalAddress } from './internal-addresses.js';
export type { UnexpressibleRule } from './mode-egress.js';
export {
  type DnsSelector,
  KUBE_DNS,
  type NetworkPolicyOptions,
  type RenderedNetworkPolicy,
  renderNetworkPolicy,
} from './render-networkpolicy.js';
export {
  type NftablesHostSet,
  type NftablesOptions,
  NftablesOptionsError,
  type RenderedNftables,
  type RenderedNftablesRefresh,
  type ResolvedHost,
  renderNftables,
  renderNftablesRefresh,
} from './render-nftables.js';
export { ANY_PORT, egressRulePorts } from './rule-ports.js';
export { installSocketGuard, socketGuardInstalled } from './socket-guard.js';
export {
  destinationOfOrigin,
  egressInterceptor,
  guardGlobalDispatcher,
} from './undici-interceptor.js';
