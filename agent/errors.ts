/**
 * The node agent's errors, each with a stable FLT_ERR_AGENT_* code, so that the CLI prints one
 * clear line and tests can tell failures apart.
 */

/** AGENT_ERRORS documents every code the agent can produce. */
export const AGENT_ERRORS = {
  FLT_ERR_AGENT_NOT_ROOT: 'the agent runs without root; it creates namespaces, cgroups and mounts',
  FLT_ERR_AGENT_FLAGS: 'a command-line flag is missing or malformed',
  FLT_ERR_AGENT_RUNTIME_START: 'the runtime could not be started or did not answer on its socket in time',
  FLT_ERR_AGENT_REGISTER: 'the Node object could not be created or updated',
  FLT_ERR_AGENT_IMAGE_NEVER_PULL: 'the image is absent and imagePullPolicy is Never',
  FLT_ERR_AGENT_IMAGE_PULL: 'the image could not be pulled',
  FLT_ERR_AGENT_ROUTE: 'a route to another node\'s pod CIDR could not be set or removed',
  FLT_ERR_AGENT_LOGS: 'a container log could not be served',
} as const;

/** AgentErrorCode is one key of AGENT_ERRORS. */
export type AgentErrorCode = keyof typeof AGENT_ERRORS;

/** AgentError is a failure of the node agent with a stable code and an optional cause. */
export class AgentError extends Error {
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}
