// The formats live in lib/ (lib/validate.ts registers them for every validation); kept here for existing imports.
export { isDateTime, registerFormats } from '../lib/formats.ts';
