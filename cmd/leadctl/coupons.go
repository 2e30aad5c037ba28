package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

// magnetsCoupons uploads a CSV of codes to a coupon magnet's pool.
func magnetsCoupons(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("magnets coupons", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl magnets coupons ID FILE.csv [flags]")
		fmt.Fprintln(out, "Adds the codes of the file (first column, one a line; a header \"code\" is skipped)")
		fmt.Fprintln(out, "to the pool of the coupon magnet ID; codes it holds already are skipped.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if len(rest) != 2 {
		fs.Usage()
		return errors.New("name the magnet and the CSV file, and nothing else")
	}
	data, err := os.ReadFile(rest[1])
	if err != nil {
		return err
	}
	if _, err := leadgate.ParseCoupons(string(data)); err != nil {
		return describe(err)
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	path := leadgate.AdminPath("magnets", rest[0], "coupons")
	req, err := c.request(ctx, http.MethodPost, path, data)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Accept", "application/json")
	if err := c.authorize(ctx, req, data); err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w (is the API at %s running?)", path, err, c.base)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return c.answerError(http.MethodPost, path, res.StatusCode, body)
	}
	var up admin.CouponUpload
	if err := json.Unmarshal(body, &up); err != nil {
		return fmt.Errorf("POST %s: the answer is not the JSON expected: %w", path, err)
	}
	fmt.Fprintf(out, "added %d codes to %s: %d left of %d\n", up.Added, rest[0], up.Left, up.Stock.Added)
	return nil
}
