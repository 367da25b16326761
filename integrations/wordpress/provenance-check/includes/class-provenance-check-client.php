<?php
/**
 * The HTTP client of the provenance API, on wp_remote_*: WordPress has no multipart
 * helper, so the multipart body is built here.
 *
 * @package ProvenanceCheck
 */

defined( 'ABSPATH' ) || exit;

/**
 * POST /v1/checks, POST /v1/batches and the evidence picture, with the key as a bearer token.
 * Every failure is a WP_Error whose data says the HTTP status (0: not reached) and
 * whether trying again later can help.
 */
final class Provenance_Check_Client {

	/**
	 * Only this path is ever fetched with the key: an evidence URL from a report cannot
	 * send the key anywhere else.
	 */
	private const EVIDENCE_PATH = '#^/v1/checks/[A-Za-z0-9_-]+/evidence\.png$#';

	/**
	 * A client for a server URL and key.
	 *
	 * @param string $server_url The server, without a trailing slash.
	 * @param string $api_key    A key with the check scope.
	 * @param int    $timeout    Seconds one request may take.
	 */
	public function __construct( private string $server_url, private string $api_key, private int $timeout = 120 ) {
	}

	/**
	 * A client for the saved settings.
	 */
	public static function from_settings(): self {
		$settings = Provenance_Check_Settings::get();
		return new self( $settings['server_url'], $settings['api_key'] );
	}

	/**
	 * Checks one image file; the claims are optional form fields of the API.
	 *
	 * @param string $path     The file on disk.
	 * @param string $filename The name sent with it.
	 * @param array  $fields   Claim fields (claimed_source, claimed_date, note...).
	 * @return array|WP_Error The report, or why there is none.
	 */
	public function check( string $path, string $filename, array $fields ): array|WP_Error {
		$bytes = $this->read( $path );
		if ( is_wp_error( $bytes ) ) {
			return $bytes;
		}
		return $this->post( '/v1/checks', $fields, array( array( 'file', $filename, $bytes ) ) );
	}

	/**
	 * Sends many files as one batch; the finished batch is POSTed to the callback, signed.
	 *
	 * @param array  $files        Lists of [path, filename].
	 * @param string $callback_url Where the server sends the finished batch.
	 * @return array|WP_Error The batch (its id), or why it was not accepted.
	 */
	public function create_batch( array $files, string $callback_url ): array|WP_Error {
		$parts = array();
		foreach ( $files as list( $path, $filename ) ) {
			$bytes = $this->read( $path );
			if ( is_wp_error( $bytes ) ) {
				return $bytes;
			}
			$parts[] = array( 'files', $filename, $bytes );
		}
		return $this->post( '/v1/batches', array( 'callback_url' => $callback_url ), $parts );
	}

	/**
	 * The evidence picture a report points to, as PNG bytes.
	 *
	 * @param string $path The report's `evidence` (a path on the server).
	 * @return string|WP_Error The PNG bytes.
	 */
	public function evidence( string $path ): string|WP_Error {
		if ( ! preg_match( self::EVIDENCE_PATH, $path ) ) {
			return new WP_Error( 'provenance_bad_evidence', __( 'Not an evidence address of the provenance server.', 'provenance-check' ), array( 'status' => 400, 'retry' => false ) );
		}
		$response = wp_remote_get( $this->server_url . $path, array( 'timeout' => 30, 'headers' => $this->auth() ) );
		$failure  = $this->failure( $response );
		return $failure ?? wp_remote_retrieve_body( $response );
	}

	/**
	 * POSTs a multipart form and decodes the JSON answer.
	 *
	 * @param string $path   The API path.
	 * @param array  $fields Text fields.
	 * @param array  $files  Lists of [field name, filename, bytes].
	 * @return array|WP_Error The decoded answer.
	 */
	private function post( string $path, array $fields, array $files ): array|WP_Error {
		$boundary = 'provenance-' . wp_generate_password( 24, false );
		$response = wp_remote_post(
			$this->server_url . $path,
			array(
				'timeout' => $this->timeout,
				'headers' => $this->auth() + array( 'Content-Type' => 'multipart/form-data; boundary=' . $boundary ),
				'body'    => self::multipart( $boundary, $fields, $files ),
			)
		);
		$failure = $this->failure( $response );
		if ( null !== $failure ) {
			return $failure;
		}
		$answer = json_decode( wp_remote_retrieve_body( $response ), true );
		if ( ! is_array( $answer ) ) {
			return new WP_Error( 'provenance_bad_answer', __( 'The provenance server answered something that is not JSON.', 'provenance-check' ), array( 'status' => wp_remote_retrieve_response_code( $response ), 'retry' => true ) );
		}
		return $answer;
	}

	/**
	 * A multipart/form-data body (RFC 7578): text fields, then files.
	 *
	 * @param string $boundary The boundary, absent from the content (random).
	 * @param array  $fields   Text fields; null values are left out.
	 * @param array  $files    Lists of [field name, filename, bytes].
	 */
	public static function multipart( string $boundary, array $fields, array $files ): string {
		$body = '';
		foreach ( $fields as $name => $value ) {
			if ( null === $value || '' === $value ) {
				continue;
			}
			$body .= '--' . $boundary . "\r\n"
				. 'Content-Disposition: form-data; name="' . self::quoted( (string) $name ) . "\"\r\n\r\n"
				. $value . "\r\n";
		}
		foreach ( $files as list( $name, $filename, $bytes ) ) {
			$type  = wp_check_filetype( $filename )['type'];
			$body .= '--' . $boundary . "\r\n"
				. 'Content-Disposition: form-data; name="' . self::quoted( $name ) . '"; filename="' . self::quoted( $filename ) . "\"\r\n"
				. 'Content-Type: ' . ( $type ? $type : 'application/octet-stream' ) . "\r\n\r\n"
				. $bytes . "\r\n";
		}
		return $body . '--' . $boundary . "--\r\n";
	}

	/**
	 * A header parameter value without the characters that would end it.
	 *
	 * @param string $value A field or file name.
	 */
	private static function quoted( string $value ): string {
		return str_replace( array( '"', "\r", "\n", '\\' ), '_', $value );
	}

	/**
	 * The Authorization header.
	 */
	private function auth(): array {
		return array( 'Authorization' => 'Bearer ' . $this->api_key );
	}

	/**
	 * A file's bytes, or an error that says which file.
	 *
	 * @param string $path The file on disk.
	 * @return string|WP_Error
	 */
	private function read( string $path ): string|WP_Error {
		$bytes = is_readable( $path ) ? file_get_contents( $path ) : false; // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local upload.
		if ( false === $bytes ) {
			/* translators: %s: a file name. */
			return new WP_Error( 'provenance_unreadable', sprintf( __( 'The file %s could not be read.', 'provenance-check' ), basename( $path ) ), array( 'status' => 0, 'retry' => false ) );
		}
		return $bytes;
	}

	/**
	 * Null when the answer is a 2xx; else an error in words, with the server's own
	 * message for a 4xx/5xx and `retry` set when trying later can help (not reached,
	 * 5xx, 429).
	 *
	 * @param array|WP_Error $response What wp_remote_* returned.
	 */
	private function failure( array|WP_Error $response ): ?WP_Error {
		if ( is_wp_error( $response ) ) {
			/* translators: %s: the transport's error message. */
			return new WP_Error( 'provenance_unreachable', sprintf( __( 'The provenance server could not be reached (%s).', 'provenance-check' ), $response->get_error_message() ), array( 'status' => 0, 'retry' => true ) );
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		if ( $status >= 200 && $status < 300 ) {
			return null;
		}
		$answer  = json_decode( wp_remote_retrieve_body( $response ), true );
		$message = is_array( $answer ) && isset( $answer['error']['message'] ) ? (string) $answer['error']['message'] : wp_remote_retrieve_response_message( $response );
		return new WP_Error(
			'provenance_http_' . $status,
			/* translators: 1: HTTP status code, 2: the server's message. */
			sprintf( __( 'The provenance server answered %1$d: %2$s', 'provenance-check' ), $status, $message ),
			array(
				'status' => $status,
				'retry'  => $status >= 500 || 429 === $status,
			)
		);
	}
}
