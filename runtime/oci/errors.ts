/**
 * Errors of the OCI layer (spec generation, bundles, the container lifecycle), each with a
 * stable code so the runtime service can map them to gRPC statuses without parsing text.
 */

/** OciErrorCode lists the stable codes an OciError carries. */
export type OciErrorCode =
  | 'FLT_ERR_OCI_SPEC' // a container description that cannot become a config.json (field named)
  | 'FLT_ERR_OCI_BUNDLE' // a bundle directory or config.json that cannot be used (file named)
  | 'FLT_ERR_OCI_NOT_FOUND' // no container with that id under the root
  | 'FLT_ERR_OCI_EXISTS' // a container with that id already exists
  | 'FLT_ERR_OCI_BAD_ID' // an id with characters that cannot name a directory
  | 'FLT_ERR_OCI_STATE' // the operation does not fit the container's status (start a running one...)
  | 'FLT_ERR_OCI_LAUNCH' // the shim could not create or start the container (its message kept)
  | 'FLT_ERR_OCI_TIMEOUT'; // a wait ran out of time (what was waited for is named)

/** OciError is thrown by runtime/oci; the message is written for the user who typed the command. */
export class OciError extends Error {
  readonly code: OciErrorCode;
  constructor(code: OciErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OciError';
    this.code = code;
  }
}
