<?php
/**
 * What a check left on an attachment: its status and, once checked, the verdict,
 * reasons, matched original, claim answers and evidence address, as attachment meta.
 *
 * @package ProvenanceCheck
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads and writes the attachment meta; shows it in the REST API as the `provenance` field.
 */
final class Provenance_Check_Results {

	/** The verdicts of the API, in its words. */
	public const VERDICTS = array( 'identical', 'copy', 'altered', 'composite', 'related', 'unknown' );

	/** The verdicts an editor is warned about before publishing. */
	public const WARN = array( 'altered', 'composite' );

	/** The credit an editor states for the image: sent as the claimed source. */
	public const CREDIT_META = 'provenance_credit';

	/** When a check was asked for (or its retry is due); gone once it is done or given up. */
	public const WAITING_SINCE = '_provenance_waiting_since';

	private const META = '_provenance_check';

	/**
	 * Registers the credit meta and the REST field.
	 */
	public static function register(): void {
		add_action( 'init', array( self::class, 'register_meta' ) );
		add_action( 'rest_api_init', array( self::class, 'register_rest_field' ) );
	}

	/**
	 * The editor's credit, writable over REST by those who can edit the attachment.
	 */
	public static function register_meta(): void {
		register_post_meta(
			'attachment',
			self::CREDIT_META,
			array(
				'type'              => 'string',
				'single'            => true,
				'show_in_rest'      => true,
				'sanitize_callback' => 'sanitize_text_field',
				'auth_callback'     => static fn( $allowed, $meta_key, $post_id ) => current_user_can( 'edit_post', $post_id ),
			)
		);
	}

	/**
	 * `provenance` on /wp/v2/media items, for those who can edit them (the block editor
	 * notice reads it).
	 */
	public static function register_rest_field(): void {
		register_rest_field(
			'attachment',
			'provenance',
			array(
				'get_callback' => static fn( array $item ) => current_user_can( 'edit_post', $item['id'] ) ? self::get( (int) $item['id'] ) : null,
				'schema'       => array(
					'description' => __( 'The provenance check of the image: status, verdict, reasons, matched original.', 'provenance-check' ),
					'type'        => array( 'object', 'null' ),
					'context'     => array( 'edit' ),
					'readonly'    => true,
				),
			)
		);
	}

	/**
	 * The stored state, with the evidence address left out (it needs the key).
	 *
	 * @param int $id The attachment.
	 * @return array{status: string, verdict: ?string, confidence: ?float, reasons: array, original: ?string, claims: array, has_evidence: bool, check_id: ?string, error: ?string, retry_at: ?int, checked_at: ?int}
	 */
	public static function get( int $id ): array {
		$stored = get_post_meta( $id, self::META, true );
		$state  = array_merge(
			array(
				'status'     => 'none',
				'verdict'    => null,
				'confidence' => null,
				'reasons'    => array(),
				'original'   => null,
				'claims'     => array(),
				'evidence'   => null,
				'check_id'   => null,
				'error'      => null,
				'retry_at'   => null,
				'checked_at' => null,
			),
			is_array( $stored ) ? $stored : array()
		);
		$state['has_evidence'] = null !== $state['evidence'];
		unset( $state['evidence'], $state['token'] );
		return $state;
	}

	/**
	 * The evidence path on the server, for the proxy.
	 *
	 * @param int $id The attachment.
	 */
	public static function evidence_path( int $id ): ?string {
		$stored = get_post_meta( $id, self::META, true );
		return is_array( $stored ) && isset( $stored['evidence'] ) ? (string) $stored['evidence'] : null;
	}

	/**
	 * Marks the attachment as waiting or being checked; the last verdict stays visible.
	 *
	 * @param int    $id     The attachment.
	 * @param string $status `queued` or `checking`.
	 */
	public static function set_status( int $id, string $status ): void {
		self::merge( $id, array( 'status' => $status, 'error' => null, 'retry_at' => null ) );
		if ( 'queued' === $status ) {
			update_post_meta( $id, self::WAITING_SINCE, time() );
		}
	}

	/**
	 * Records a failed check: the reason in words and when it is tried again (if it is).
	 *
	 * @param int      $id       The attachment.
	 * @param string   $message  What went wrong.
	 * @param int|null $retry_at Unix time of the automatic retry, or null.
	 */
	public static function set_error( int $id, string $message, ?int $retry_at ): void {
		self::merge( $id, array( 'status' => 'error', 'error' => $message, 'retry_at' => $retry_at ) );
		if ( null === $retry_at ) {
			delete_post_meta( $id, self::WAITING_SINCE );
		} else {
			update_post_meta( $id, self::WAITING_SINCE, $retry_at );
		}
	}

	/**
	 * Stores a report of the API (from a check or a batch item).
	 *
	 * @param int   $id     The attachment.
	 * @param array $report The report (or the API's error report, with `error`).
	 */
	public static function store_report( int $id, array $report ): void {
		if ( ! isset( $report['verdict'] ) || ! in_array( $report['verdict'], self::VERDICTS, true ) ) {
			$message = isset( $report['error']['message'] ) ? (string) $report['error']['message'] : __( 'The provenance server sent no verdict.', 'provenance-check' );
			/* translators: %s: the server's message. */
			self::set_error( $id, sprintf( __( 'The image could not be checked: %s', 'provenance-check' ), $message ), null );
			return;
		}
		$stored = get_post_meta( $id, self::META, true );
		delete_post_meta( $id, self::WAITING_SINCE );
		update_post_meta(
			$id,
			self::META,
			array(
				'status'     => 'done',
				'verdict'    => $report['verdict'],
				'confidence' => isset( $report['confidence'] ) ? (float) $report['confidence'] : null,
				'reasons'    => array_map( 'strval', (array) ( $report['reasons'] ?? array() ) ),
				'original'   => self::original( $report ),
				'claims'     => self::claims( $report ),
				'evidence'   => isset( $report['evidence'] ) && is_string( $report['evidence'] ) ? $report['evidence'] : null,
				'check_id'   => isset( $report['id'] ) ? (string) $report['id'] : null,
				'error'      => null,
				'retry_at'   => null,
				'checked_at' => time(),
				'token'      => is_array( $stored ) ? ( $stored['token'] ?? null ) : null,
			)
		);
	}

	/**
	 * The token of the latest request: an older scheduled check that finds another
	 * token was superseded and does nothing.
	 *
	 * @param int $id The attachment.
	 */
	public static function token( int $id ): ?string {
		$stored = get_post_meta( $id, self::META, true );
		return is_array( $stored ) ? ( $stored['token'] ?? null ) : null;
	}

	/**
	 * Records the token of a new request.
	 *
	 * @param int    $id    The attachment.
	 * @param string $token A fresh token.
	 */
	public static function set_token( int $id, string $token ): void {
		self::merge( $id, array( 'token' => $token ) );
	}

	/**
	 * The matched original in one line: source, agency ID, credit.
	 *
	 * @param array $report A report.
	 */
	private static function original( array $report ): ?string {
		$reference = $report['matches'][0]['reference'] ?? null;
		if ( ! is_array( $reference ) ) {
			return null;
		}
		$parts = array_filter(
			array(
				(string) ( $reference['source'] ?? '' ),
				(string) ( $reference['external_id'] ?? '' ),
			)
		);
		$line  = implode( ' ', $parts );
		if ( ! empty( $reference['credit'] ) ) {
			$line .= ' (' . $reference['credit'] . ')';
		}
		return '' === $line ? null : $line;
	}

	/**
	 * The answers to the claims sent: what was stated and the outcome.
	 *
	 * @param array $report A report.
	 * @return list<array{claim: string, stated: string, outcome: string, evidence: string}>
	 */
	private static function claims( array $report ): array {
		$answers = array();
		foreach ( (array) ( $report['claims'] ?? array() ) as $answer ) {
			$answers[] = array(
				'claim'    => (string) ( $answer['claim'] ?? '' ),
				'stated'   => is_scalar( $answer['stated'] ?? null ) ? (string) $answer['stated'] : '',
				'outcome'  => (string) ( $answer['outcome'] ?? '' ),
				'evidence' => is_scalar( $answer['evidence'] ?? null ) ? (string) $answer['evidence'] : '',
			);
		}
		return $answers;
	}

	/**
	 * Updates some keys of the stored state.
	 *
	 * @param int   $id      The attachment.
	 * @param array $changes The keys to set.
	 */
	private static function merge( int $id, array $changes ): void {
		$stored = get_post_meta( $id, self::META, true );
		update_post_meta( $id, self::META, array_merge( is_array( $stored ) ? $stored : array(), $changes ) );
	}
}
