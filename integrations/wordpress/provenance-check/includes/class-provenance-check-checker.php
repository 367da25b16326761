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

	/** Automatic tries of one request; after them the editor's "Check again" remains. */
	public const MAX_ATTEMPTS = 3;

	/**
	 * Hooks the upload and the cron event.
	 */
	public static function register(): void {
		add_action( 'add_attachment', array( self::class, 'on_upload' ) );
		add_action( self::HOOK, array( self::class, 'run' ), 10, 3 );
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
