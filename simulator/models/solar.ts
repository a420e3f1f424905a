const DEG = Math.PI / 180;

/** Day of the year, 1..366, of a unix time (UTC). */
export function dayOfYear(tsS: number): number {
  const date = new Date(tsS * 1000);
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.floor((tsS * 1000 - start) / 86_400_000) + 1;
}

/**
 * Cosine of the solar zenith angle at a place and unix time: Cooper's declination, the equation of time
 * (Spencer's approximation) and the hour angle from local solar time. Negative at night.
 */
export function cosSolarZenith(tsS: number, latitudeDeg: number, longitudeDeg: number): number {
  const n = dayOfYear(tsS);
  const declination = 23.45 * DEG * Math.sin(((2 * Math.PI) / 365) * (284 + n));
  const b = ((2 * Math.PI) / 365) * (n - 81);
  const equationOfTimeMin = 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
  const utcHours = (((tsS % 86400) + 86400) % 86400) / 3600;
  const solarHours = utcHours + longitudeDeg / 15 + equationOfTimeMin / 60;
  const hourAngle = 15 * DEG * (solarHours - 12);
  const latitude = latitudeDeg * DEG;
  return (
    Math.sin(latitude) * Math.sin(declination) +
    Math.cos(latitude) * Math.cos(declination) * Math.cos(hourAngle)
  );
}

/**
 * Clear-sky global horizontal irradiance in W/m2 (Haurwitz model): 1098 cos z exp(-0.057 / cos z);
 * zero when the sun is below the horizon.
 *
 * @example
 * clearSkyIrradianceWm2(Date.UTC(2026, 5, 21, 4) / 1000, 31.2, 121.5); // Shanghai, solar noon: ~1000
 */
export function clearSkyIrradianceWm2(tsS: number, latitudeDeg: number, longitudeDeg: number): number {
  const cosZ = cosSolarZenith(tsS, latitudeDeg, longitudeDeg);
  if (cosZ <= 0.01) return 0;
  return 1098 * cosZ * Math.exp(-0.057 / cosZ);
}
