/**
 * Builds DynamoDB update and condition expressions with placeholders for
 * every name and value, so reserved words (status, type, ttl ...) never clash.
 */
export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly lastSets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private counter = 0;

  name(attribute: string): string {
    for (const [placeholder, existing] of Object.entries(this.names))
      if (existing === attribute) return placeholder;
    const placeholder = `#n${this.counter++}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.counter++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): this {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  /**
   * `set`, applied after every other action of the update. DynamoDB applies
   * an update at once; moto (the second emulator CI runs on) applies the
   * actions one by one while it serves reads, so a status set last is never
   * read before the fields that go with it (a task `succeeded` without its result).
   */
  setLast(attribute: string, value: unknown): this {
    this.lastSets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  setIfMissing(attribute: string, value: unknown): this {
    const name = this.name(attribute);
    this.sets.push(`${name} = if_not_exists(${name}, ${this.value(value)})`);
    return this;
  }

  /** `attribute = <raw expression>`; the expression must use placeholders from this builder. */
  setExpression(attribute: string, expression: string): this {
    this.sets.push(`${this.name(attribute)} = ${expression}`);
    return this;
  }

  append(attribute: string, items: readonly unknown[]): this {
    const name = this.name(attribute);
    return this.setExpression(
      attribute,
      `list_append(if_not_exists(${name}, ${this.value([])}), ${this.value(items)})`,
    );
  }

  add(attribute: string, amount: number): this {
    this.adds.push(`${this.name(attribute)} ${this.value(amount)}`);
    return this;
  }

  remove(attribute: string): this {
    this.removes.push(this.name(attribute));
    return this;
  }

  /** `#status IN (:a, :b)` */
  isOneOf(attribute: string, values: readonly unknown[]): string {
    return `${this.name(attribute)} IN (${values.map((value) => this.value(value)).join(", ")})`;
  }

  updateExpression(): string {
    const sets = [...this.sets, ...this.lastSets];
    // SET last, so that setLast's actions are the update's last (moto applies them in this order).
    return [
      this.removes.length > 0 ? `REMOVE ${this.removes.join(", ")}` : "",
      this.adds.length > 0 ? `ADD ${this.adds.join(", ")}` : "",
      sets.length > 0 ? `SET ${sets.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join(" ");
  }

  /** Names and values for a command, leaving out empty maps (DynamoDB rejects them). */
  attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
