// Build settings for `directus-extension build`. Our runtime dependencies (otplib, jsonwebtoken)
// are bundled into dist/api.js so the extension installs without touching the host's modules.
export default {
	plugins: [],
};
