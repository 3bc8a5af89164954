// The policy lives in app/security/csp.ts, where the renderer's build can read it too.
export { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../app/security/csp';
