// Public API of the 3scale backend (apisonator) simulator.
export { BackendSimulator, type BackendSimulatorOptions, type ReceivedRequest, loadSeed } from "./simulator.js";
export { type BackendRequest, type BackendResponse, XML_CONTENT_TYPE, handleBackendRequest } from "./listener.js";
export { type Clock, ManualClock, type Period, PERIODS, formatTime, periodInstance, systemClock } from "./periods.js";
export { BackendStore, MetricIndex, type Application, type Service, type Metric, type Plan } from "./store.js";
export { parseNestedQuery } from "./query.js";
