// What counts as "the same device" for new-device notices: the browser family and the operating
// system a user agent names, and the network the address is in (/24 for IPv4, /48 for IPv6), so
// a browser update or a new address from the same provider's pool is no new device (pure).
import { browserFamily } from '../shared/notice-details.js';
import { hashToken } from '../shared/util/crypto.js';

/** The device key stored for a user: a hash, so the table holds no address or user agent. */
export function deviceKey(userAgent: string | null | undefined, ip: string | null | undefined): string {
	const { browser, os } = browserFamily(userAgent);
	return hashToken(`${browser.toLowerCase()}|${os.toLowerCase()}|${networkOf(ip)}`);
}

/** `203.0.113.0/24`, `2001:db8:1::/48`; '' when there is no readable address. */
export function networkOf(ip: string | null | undefined): string {
	if (!ip) return '';
	const address = ip.trim().replace(/^\[|\]$/g, '').split('%')[0]!;
	const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(address);
	if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
	const groups = expandIpv6(address);
	return groups ? `${groups.slice(0, 3).join(':')}::/48` : '';
}

/** The eight groups of an IPv6 address (`::` expanded, leading zeros dropped); null when it is none. */
function expandIpv6(address: string): string[] | null {
	if (!/^[0-9a-f:]+$/i.test(address) || address.split('::').length > 2) return null;
	const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const missing = 8 - left.length - right.length;
	if ((tail === undefined && missing !== 0) || missing < 0) return null;
	const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
	if (groups.length !== 8 || groups.some((group) => group === '' || group.length > 4)) return null;
	return groups.map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
