<?php
/**
 * Removing the plugin removes its settings, its batch list and the verdicts it stored.
 *
 * @package ProvenanceCheck
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'provenance_check_settings' );
delete_option( 'provenance_check_batches' );
delete_post_meta_by_key( '_provenance_check' );
delete_post_meta_by_key( 'provenance_credit' );
wp_unschedule_hook( 'provenance_check_run' );
wp_unschedule_hook( 'provenance_check_sweep' );
delete_post_meta_by_key( '_provenance_waiting_since' );
