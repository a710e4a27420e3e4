/** HTML documents are bundled as text (esbuild's text loader, set in ClawFunction). */
declare module "*.html" {
  const text: string;
  export default text;
}
