// Public API of the 3scale system (porta) simulator.
export { type SystemFault, type SystemReply, type SystemRequest, SystemSimulator, type SystemSimulatorOptions, proxyConfigDocument } from "./simulator.js";
