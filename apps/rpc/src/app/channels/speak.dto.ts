import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Data of the actuator's `speak` action. */
export class SpeakDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  message!: string;
}
