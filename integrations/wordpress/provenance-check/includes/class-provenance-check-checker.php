<?php
/**
 * Checks run in WP-Cron, never inside the upload: add_attachment only schedules a
 * single event. A server that is down or answers 5xx leaves an error status and an
 * automatic retry; a 4xx leaves the error and the manual "Check again".
 *
 * @package ProvenanceCheck
 */

defined( 'ABSPATH' ) || exit;

/**
 * Queues and runs the check of one attachment.
 */
final class Provenance_Check_Checker {

	public const HOOK = 'provenance_check_run';

	/** The hourly look for checks whose event was lost (see forget_cached_options()). */
	public const SWEEP = 'provenance_check_sweep';

	/** Seconds a check may wait past its time before the sweep asks for it again. */
	private const STALE = 15 * MINUTE_IN_SECONDS;

	/** Automatic tries of one request; after them the editor's "Check again" remains. */
	public const MAX_ATTEMPTS = 3;

	/**
	 * Hooks the upload and the cron event.
	 */
	public static function register(): void {
		add_action( 'add_attachment', array( self::class, 'on_upload' ) );
		add_action( self::HOOK, array( self::class, 'run' ), 10, 3 );
		add_action( self::SWEEP, array( self::class, 'sweep' ) );
		add_action( 'init', array( self::class, 'schedule_sweep' ) );
	}

	/**
	 * Keeps the hourly sweep scheduled (a lost event is scheduled again on the next visit).
	 */
	public static function schedule_sweep(): void {
		if ( ! wp_next_scheduled( self::SWEEP ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'hourly', self::SWEEP );
		}
	}

	/**
	 * Asks again for the checks that waited too long with no event left to run them
	 * (an event lost to a concurrent write of the cron option, or a check whose PHP
	 * process died).
	 */
	public static function sweep(): void {
		$waiting = get_posts(
			array(
				'post_type'      => 'attachment',
				'post_status'    => 'inherit',
				'fields'         => 'ids',
				'posts_per_page' => 100,
				'meta_query'     => array( // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_query -- hourly, on a narrow key.
					array(
						'key'     => Provenance_Check_Results::WAITING_SINCE,
						'value'   => time() - self::STALE,
						'compare' => '<',
						'type'    => 'NUMERIC',
					),
				),
			)
		);
		$pending = array();
		foreach ( (array) _get_cron_array() as $hooks ) {
			foreach ( $hooks[ self::HOOK ] ?? array() as $event ) {
				$pending[ (int) $event['args'][0] ] = true;
			}
		}
		foreach ( $waiting as $id ) {
			if ( ! isset( $pending[ (int) $id ] ) ) {
				self::queue( (int) $id );
			}
		}
	}

	/**
	 * A new attachment: queue its check when the site checks uploads.
	 *
	 * @param int $id The attachment.
	 */
	public static function on_upload( int $id ): void {
		if ( Provenance_Check_Settings::get()['check_on_upload'] && Provenance_Check_Settings::is_configured() && self::is_image( $id ) ) {
			self::queue( $id );
		}
	}

	/**
	 * Whether the attachment is an image the server can read.
	 *
	 * @param int $id The attachment.
	 */
	public static function is_image( int $id ): bool {
		return str_starts_with( (string) get_post_mime_type( $id ), 'image/' );
	}

	/**
	 * Schedules a check; a newer request supersedes any older one still waiting.
	 *
	 * @param int $id      The attachment.
	 * @param int $attempt 1 for a new request, more for an automatic retry.
	 * @param int $delay   Seconds from now.
	 */
	public static function queue( int $id, int $attempt = 1, int $delay = 0 ): void {
		$token = 1 === $attempt ? wp_generate_uuid4() : (string) Provenance_Check_Results::token( $id );
		Provenance_Check_Results::set_token( $id, $token );
		if ( 1 === $attempt ) {
			Provenance_Check_Results::set_status( $id, 'queued' );
		}
		wp_schedule_single_event( time() + $delay, self::HOOK, array( $id, $attempt, $token ) );
	}

	/**
	 * The cron event: sends the image with the editor's claims and stores the answer.
	 *
	 * @param int    $id      The attachment.
	 * @param int    $attempt Which try this is.
	 * @param string $token   The request it belongs to.
	 */
	public static function run( int $id, int $attempt, string $token ): void {
		try {
			self::check( $id, $attempt, $token );
		} finally {
			self::forget_cached_options();
		}
	}

	/**
	 * Sends the image with the editor's claims and stores the answer or the failure.
	 *
	 * @param int    $id      The attachment.
	 * @param int    $attempt Which try this is.
	 * @param string $token   The request it belongs to.
	 */
	private static function check( int $id, int $attempt, string $token ): void {
		if ( Provenance_Check_Results::token( $id ) !== $token || 'attachment' !== get_post_type( $id ) ) {
			return; // Superseded by a newer request, or deleted.
		}
		if ( ! Provenance_Check_Settings::is_configured() ) {
			Provenance_Check_Results::set_error( $id, __( 'The provenance server is not set up (Settings > Provenance).', 'provenance-check' ), null );
			return;
		}
		Provenance_Check_Results::set_status( $id, 'checking' );
		$path   = (string) get_attached_file( $id );
		$report = Provenance_Check_Client::from_settings()->check( $path, basename( $path ), self::claims( $id ) );
		if ( ! is_wp_error( $report ) ) {
			Provenance_Check_Results::store_report( $id, $report );
			return;
		}
		$data     = (array) $report->get_error_data();
		$retry_at = null;
		if ( ! empty( $data['retry'] ) && $attempt < self::MAX_ATTEMPTS ) {
			$delay    = 60 * $attempt * $attempt;
			$retry_at = time() + $delay;
			self::queue( $id, $attempt + 1, $delay );
		}
		Provenance_Check_Results::set_error( $id, $report->get_error_message(), $retry_at );
	}

	/**
	 * WP-Cron's loop writes back the cron option from its memory when it unschedules the
	 * next event; a check takes seconds, during which uploads schedule their own checks,
	 * and writing back the old copy would drop them. Reading the options afresh after a
	 * check keeps them (the same race is why sweep() exists).
	 */
	private static function forget_cached_options(): void {
		wp_cache_delete( 'alloptions', 'options' );
		wp_cache_delete( 'cron', 'options' );
	}

	/**
	 * The claims the editor made in the attachment's fields: the credit as the claimed
	 * source, a date written in the caption (YYYY-MM-DD) as the claimed date, and the
	 * caption itself as the note.
	 *
	 * @param int $id The attachment.
	 * @return array Form fields of POST /v1/checks.
	 */
	public static function claims( int $id ): array {
		$credit  = trim( (string) get_post_meta( $id, Provenance_Check_Results::CREDIT_META, true ) );
		$caption = trim( wp_strip_all_tags( (string) wp_get_attachment_caption( $id ) ) );
		$fields  = array(
			'claimed_source' => mb_substr( $credit, 0, 500 ),
			'note'           => mb_substr( $caption, 0, 4000 ),
		);
		if ( preg_match( '/\b(\d{4}-\d{2}-\d{2})\b/', $caption, $date ) ) {
			$fields['claimed_date'] = $date[1];
		}
		return $fields;
	}
}
