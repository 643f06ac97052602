export { buildToolGateService, TOOL_GATE_VERSION, type ToolGateServiceOptions } from './app.js';
export { REFERENCE_POLICY, type ToolGateConfig, toolGateConfigFromEnv } from './config.js';
export { openToolGateService } from './open.js';
