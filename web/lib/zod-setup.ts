import { z } from 'zod';

// zod compiles object schemas with `new Function` when it may, and probes whether it may by trying
// it. The app's Content-Security-Policy forbids eval (web-app-content-security.ts), so the probe
// would be reported as a violation on every page: interpret the schemas instead. Imported, for its
// effect, by every module that defines a schema, before it defines any.
z.config({ jitless: true });
