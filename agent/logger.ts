/** The agent's structured log: pino JSON lines on stderr, or whatever a caller (a test, the lab) passes in. */
import { pino } from 'pino';

/** AgentLogger is the small part of pino's interface the agent uses. */
export interface AgentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** createAgentLogger logs JSON lines to stderr at FLOTILLA_LOG_LEVEL (default info). */
export function createAgentLogger(nodeName: string): AgentLogger {
  return pino({ name: 'flotilla-agent', level: process.env.FLOTILLA_LOG_LEVEL ?? 'info', base: { node: nodeName } }, pino.destination(2));
}

/** silentLogger drops everything (tests that only check behaviour). */
export const silentLogger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
