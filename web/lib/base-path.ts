// The path cai serves the app under; next.config.mjs sets the same `basePath`.
export const APP_BASE_PATH = '/app';
