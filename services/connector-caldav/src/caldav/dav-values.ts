/** Hrefs come encoded one way or another: compare their decoded paths. */
export function decodedPath(url: string | URL): string {
  const path = (typeof url === 'string' ? new URL(url, 'http://x/') : url).pathname;
  try {
    return decodeURIComponent(path).replace(/\/+$/, '');
  } catch {
    return path.replace(/\/+$/, '');
  }
}
