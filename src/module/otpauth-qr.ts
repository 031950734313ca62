// The two-factor set-up's QR code, drawn by uqr. The options live here so the page and its test
// share them: level M and the standard 4-module quiet zone, one SVG unit per module.
import { renderSVG } from 'uqr';

export const QR_OPTIONS = { ecc: 'M', border: 4, pixelSize: 1 } as const;

/** The otpauth:// URL as the SVG markup the Security page shows (dark on white). */
export function otpauthQrSvg(url: string): string {
	return renderSVG(url, QR_OPTIONS);
}
