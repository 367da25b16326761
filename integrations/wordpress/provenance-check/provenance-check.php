<?php
/**
 * Plugin Name:       Provenance Check
 * Description:       Checks every image added to the media library against a provenance server: copy, altered, composite or unknown, with the reasons and the evidence picture.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.2
 * License:           Apache-2.0
 * Text Domain:       provenance-check
 *
 * @package ProvenanceCheck
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/includes/class-provenance-check-settings.php';
require_once __DIR__ . '/includes/class-provenance-check-client.php';
require_once __DIR__ . '/includes/class-provenance-check-results.php';
require_once __DIR__ . '/includes/class-provenance-check-checker.php';
require_once __DIR__ . '/includes/class-provenance-check-media-ui.php';
require_once __DIR__ . '/includes/class-provenance-check-batch.php';

Provenance_Check_Settings::register();
Provenance_Check_Results::register();
Provenance_Check_Checker::register();
Provenance_Check_Media_UI::register( plugins_url( 'assets/', __FILE__ ) );
Provenance_Check_Batch::register();
