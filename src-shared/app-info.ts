/** Name and version of the app, from package.json (inlined by the bundler). */
import packageJson from '../package.json' with { type: 'json' };

export const APP_NAME = 'Backbone';
export const APP_ID = 'org.backbone.desktop';
export const APP_VERSION: string = packageJson.version;
