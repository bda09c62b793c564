import type { Ctx } from '../context.ts';
import type { OcsOut } from '../ocs.ts';

/**
 * SettingsController (nextcloud/spreed lib/Controller/SettingsController.php, routes in
 * appinfo/routes/routesSettingsController.php): the user settings; the double models the blur
 * preference only.
 */

/** SettingsController::setUserSetting: only the blur preference is modelled. */
export function setUserSetting(ctx: Ctx, out: OcsOut): void {
  const key = ctx.param('key');
  const value = ctx.param('value');
  if (key !== 'blur_virtual_background' || (value !== 'yes' && value !== 'no')) return out.fail(400);
  ctx.user!.blurVirtualBackground = value === 'yes';
  out.ok([]);
}
