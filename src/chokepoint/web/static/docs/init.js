/* The API docs page's initialiser: a file of its own, so the page runs under a CSP without
 * inline script. The docs' "Try it out" requests send the CSRF cookie's value like the UI does. */
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  requestInterceptor: (req) => {
    const m = document.cookie.match(/(?:^|;\s*)chokepoint_csrf=([^;]+)/);
    if (m) req.headers["X-CSRF-Token"] = decodeURIComponent(m[1]);
    return req;
  },
});
